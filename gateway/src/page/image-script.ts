/**
 * The page's script for image fields: shows each field's file picker, decodes the picked file in
 * the browser (`createImageBitmap`, which needs no URL the page's CSP would refuse), draws it on a
 * canvas resized to the field's W×H (transparent pixels on white), and fills the field's JSON with
 * nested arrays in the signature's layout: 0–255 for integer types, 0–1 for float types (four
 * decimals, which keeps the 256 levels apart). A preview shows what the model is sent. The server
 * checks the JSON as it checks any other.
 */
export const IMAGE_SCRIPT = `
(function(){
  var spec=document.getElementById('slipway-fields');
  if(!spec)return;
  JSON.parse(spec.textContent).forEach(function(f){
    if(f.kind!=='image'||!f.image)return;
    var picker=document.getElementById('pick-'+f.id),file=document.getElementById('file-'+f.id),
      field=document.getElementById('in-'+f.id),out=document.getElementById('err-'+f.id),
      note=document.getElementById('picked-'+f.id),preview=document.getElementById('preview-'+f.id);
    if(!picker||!file||!field||!out||!note||!preview)return;
    if(typeof createImageBitmap!=='function')return;
    picker.hidden=false;
    var im=f.image,scale=/^u?int\\d+$/.test(f.type)?function(v){return v}:function(v){return Math.round(v/255*1e4)/1e4};
    function fail(msg){out.textContent=f.name+': '+msg;field.setAttribute('aria-invalid','true');
      note.textContent='';preview.hidden=true}
    file.addEventListener('change',function(){
      var picked=file.files&&file.files[0];if(!picked)return;
      createImageBitmap(picked).then(function(bitmap){
        var canvas=document.createElement('canvas');canvas.width=im.width;canvas.height=im.height;
        var ctx=canvas.getContext('2d');ctx.fillStyle='#fff';ctx.fillRect(0,0,im.width,im.height);
        ctx.drawImage(bitmap,0,0,im.width,im.height);
        var px=ctx.getImageData(0,0,im.width,im.height).data;
        function at(y,x,c){var i=(y*im.width+x)*4;
          if(im.channels===3)return scale(px[i+c]);
          return scale(Math.round(0.299*px[i]+0.587*px[i+1]+0.114*px[i+2]))}
        function plane(c){var rows=[];for(var y=0;y<im.height;y++){var row=[];
          for(var x=0;x<im.width;x++)row.push(at(y,x,c));rows.push(row)}return rows}
        var value;
        if(im.layout==='hw')value=plane(0);
        else if(im.layout==='chw'){value=[];for(var c=0;c<im.channels;c++)value.push(plane(c))}
        else{value=[];for(var y=0;y<im.height;y++){var row=[];for(var x=0;x<im.width;x++){var p=[];
          for(var k=0;k<im.channels;k++)p.push(at(y,x,k));row.push(p)}value.push(row)}}
        field.value=JSON.stringify(value);out.textContent='';field.removeAttribute('aria-invalid');
        note.textContent=picked.name+' ('+bitmap.width+'×'+bitmap.height+'), resized to '+im.width+'×'+im.height+'.';
        preview.src=canvas.toDataURL('image/png');
        preview.alt='What the model is sent: '+picked.name+' at '+im.width+'×'+im.height;preview.hidden=false;
        if(bitmap.close)bitmap.close();
      },function(){fail('the browser cannot read this file as an image')});
    });
  });
})();
`;
